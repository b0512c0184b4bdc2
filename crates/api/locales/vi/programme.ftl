milestone-campaign-state = Chỉ thêm được mốc công việc cho phong trào ở trạng thái bản nháp hoặc đang triển khai
milestone-done = Mốc công việc này đã hoàn thành
target-computed = Chỉ tiêu này được tính từ dữ liệu; không nhập tay giá trị
target-source-required = Cần ghi rõ nguồn của số liệu
target-value-range = Giá trị nằm ngoài phạm vi cho phép
target-date-future = Ngày số liệu không được ở tương lai
campaign-or-programme = Chỉ chọn một trong campaignId hoặc programmeId
