exemplar-already-at-stage = Mô hình đã ở giai đoạn { $stage }
exemplar-stage-skipped = Mô hình chuyển lần lượt từng giai đoạn: từ giai đoạn { $stage } chỉ được chuyển sang giai đoạn kế tiếp
exemplar-reason-required = Cần nêu lý do đưa mô hình về giai đoạn trước
exemplar-self-replication = Mô hình được nhân rộng ở đơn vị khác, không phải ở chính đơn vị của mô hình
exemplar-already-replicated = Đơn vị này đã nhân rộng mô hình
exemplar-changed = Mô hình vừa được người khác thay đổi; hãy tải lại
