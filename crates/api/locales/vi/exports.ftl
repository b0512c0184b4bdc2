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
export-link-unknown-export = không có bản xuất này; các bản xuất hiện có: { $known }
export-link-query-invalid = chuỗi tham số tối đa { $max } ký tự in được, đã mã hoá phần trăm, không có phân đoạn “#” hay tham số “link”
export-link-mismatch = liên kết xuất này dành cho bản xuất hoặc tham số khác
export-total = Tổng cộng
export-count = Số lượng
export-compliance-header = Mã đơn vị | Đơn vị | Phải báo cáo | Đã gửi | Đúng hạn | Trễ hạn | Đã duyệt | Bị trả lại | Chưa gửi | Tỷ lệ đã gửi | Tỷ lệ đúng hạn
export-progress-header = Mã phong trào | Tiêu chí | Mã đơn vị | Đơn vị | Kỳ | Giá trị | Chỉ tiêu | Số báo cáo
export-commendation-dimension = { $key ->
    [LEVEL] Cấp khen thưởng
    [CATEGORY] Hình thức
    [KIND] Loại hình khen thưởng
    [RECIPIENT_TYPE] Loại đối tượng
    [YEAR] Năm thành tích
    [TOP_LEVEL_UNIT] Đơn vị cấp trên trực thuộc tỉnh
    [FIELD] Lĩnh vực
    [INDIVIDUAL] Tập thể/cá nhân
   *[other] { $key }
}
export-exemplar-dimension = { $key ->
    [STAGE] Giai đoạn
    [FIELD] Lĩnh vực
    [HOME_UNIT] Đơn vị
    [TOP_LEVEL_UNIT] Đơn vị cấp trên trực thuộc tỉnh
    [KIND] Tập thể/cá nhân
   *[other] { $key }
}
award-category = { $key ->
    [EMULATION_TITLE] danh hiệu thi đua
    [STATE_HONORARY_TITLE] danh hiệu vinh dự nhà nước
    [ORDER] huân chương
    [MEDAL] huy chương
    [CERTIFICATE_OF_MERIT] bằng khen
    [CERTIFICATE] giấy khen
    [PROVINCIAL_TITLE] danh hiệu cấp tỉnh
   *[other] { $key }
}
