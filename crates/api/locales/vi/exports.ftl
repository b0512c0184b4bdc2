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
export-commendations-header = Số quyết định | Ngày quyết định | Cơ quan ban hành | Hình thức khen thưởng | Cấp khen thưởng | Loại hình khen thưởng | Đối tượng được khen | Loại đối tượng | Mã đơn vị | Đơn vị | Năm thành tích | Trạng thái | Mã định danh
award-level = { $key ->
    [GRASSROOTS] cơ sở
    [DISTRICT] cấp huyện
    [PROVINCIAL] cấp tỉnh
    [MINISTERIAL] cấp bộ, ban, ngành, đoàn thể trung ương
    [CENTRAL] nhà nước
   *[other] { $key }
}
commendation-kind = { $key ->
    [CONG_TRANG] công trạng
    [DOT_XUAT] đột xuất
    [PHONG_TRAO_THI_DUA] theo phong trào thi đua
    [QUA_TRINH_CONG_HIEN] quá trình cống hiến
    [NIEN_HAN] niên hạn
    [DOI_NGOAI] đối ngoại
   *[other] { $key }
}
recipient-type = { $key ->
    [PERSON] cá nhân
    [UNIT] tập thể
    [EXEMPLAR] mô hình, điển hình
    [HOUSEHOLD] hộ gia đình
   *[other] { $key }
}
export-reports-header = Mã phong trào | Mã đơn vị | Đơn vị | Từ ngày | Đến ngày | Trạng thái | Thời điểm gửi | Thời điểm duyệt
export-reports-value-header = Tiêu chí | Giá trị
