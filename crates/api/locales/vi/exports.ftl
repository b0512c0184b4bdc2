# Exports (CSV registers): headers, words and refusals.
export-word = { $word }
yes-no = { $key ->
    [YES] có
   *[other] không
}
export-exemplars-header = Tên mô hình, điển hình | Tập thể/cá nhân | Giai đoạn | Mã đơn vị | Đơn vị | Lĩnh vực | Người lao động trực tiếp | Số nơi nhân rộng | Ngày ghi nhận | Mã định danh
no-such-export = không có bản xuất “{ $name }”; các bản xuất hiện có: { $known }
export-too-many-parameters = bản xuất nhận tối đa { $max } tham số
export-unknown-parameter = bản xuất không nhận tham số “{ $name }”
export-bad-value = giá trị “{ $value }” của tham số { $name } không hợp lệ
