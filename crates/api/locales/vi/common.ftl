# Shared pieces: names of things and of states, used by the messages of every topic.
# Vocabularies: a message argument made with `MessageArg::word("thing", key)` is the
# variant of that message for `key`; an unknown key shows as it is.
thing = { $key ->
    [report] báo cáo
    [exemplar] mô hình điển hình
    [exemplary-model] mô hình điển hình
    [award-type] danh hiệu, hình thức khen thưởng
    [programme] chương trình
    [commendation] hồ sơ khen thưởng
    [campaign] phong trào thi đua
    [target] chỉ tiêu
    [org-unit] đơn vị
    [unit] đơn vị
    [root-unit] đơn vị gốc
    [milestone] mốc công việc
    [attachment] tệp minh chứng
    [user] người dùng
    [council-session] phiên họp hội đồng
    [participation] đăng ký tham gia
    [field] lĩnh vực
    [criterion] tiêu chí
    [cluster] cụm, khối thi đua
    [demo-admin] tài khoản quản trị mẫu
    [person] cá nhân
    [session] phiên đăng nhập
   *[other] { $key }
}
campaign-status = { $key ->
    [DRAFT] bản nháp
    [LAUNCHED] đang triển khai
    [CLOSED] đã kết thúc
    [CANCELLED] đã hủy
   *[other] { $key }
}
report-status = { $key ->
    [SUBMITTED] đã gửi, chờ duyệt
    [APPROVED] đã duyệt
    [RETURNED] đã trả lại
   *[other] { $key }
}
commendation-status = { $key ->
    [NOMINATED] đã đề nghị
    [UNDER_REVIEW] đang xét
    [APPROVED] đã được hội đồng thông qua
    [REJECTED] không được thông qua
    [CONFERRED] đã có quyết định khen thưởng
    [REVOKED] đã bị thu hồi
    [PROPOSED_UPWARD] đã trình cấp trên
    [DECLINED_UPWARD] cấp trên không đồng ý
   *[other] { $key }
}
exemplar-stage = { $key ->
    [IDENTIFIED] phát hiện
    [NURTURED] bồi dưỡng
    [RECOGNISED] tôn vinh
    [REPLICATED] nhân rộng
   *[other] { $key }
}
recipient-kind = { $key ->
    [INDIVIDUAL] cá nhân
    [COLLECTIVE] tập thể
    [BOTH] cá nhân và tập thể
    [HOUSEHOLD] hộ gia đình
   *[other] { $key }
}
control-characters = Không được chứa ký tự điều khiển
required = Không được để trống
too-long = Vượt quá độ dài cho phép (tối đa { $max } ký tự)
code-format = Mã gồm 2–40 ký tự: chữ A–Z, chữ số, "-", "_" hoặc "."
year-range = Năm phải từ { $min } đến { $max }
year-range-order = Năm bắt đầu (fromYear) không được sau năm kết thúc (toYear)
year-range-too-wide = Khoảng thời gian tối đa { $max } năm
first-out-of-range = Tham số `first` phải từ { $min } đến { $max }
version-invalid = Phiên bản (version) là số từ 1 trở lên, đúng như API đã trả về
end-before-start = Ngày kết thúc trước ngày bắt đầu
unknown-reference = Không tìm thấy { $what } có mã này
number-format = Số phải viết dạng thập phân thông thường, ví dụ 12, -3 hoặc 12.5
number-range = Số có tối đa 16 chữ số phần nguyên và 4 chữ số phần thập phân
cursor-invalid = Con trỏ phân trang (cursor) không hợp lệ
unit-inactive = Đơn vị đã ngừng hoạt động
