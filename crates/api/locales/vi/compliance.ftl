# issue 12: tỷ lệ báo cáo
compliance-period-format = kỳ báo cáo ghi theo dạng 2025-03 (tháng), 2025-Q1 (quý), 2025-H1 (6 tháng) hoặc 2025 (năm), năm từ 1900 đến 2100
compliance-period-or-milestone = cần đúng một trong hai: `period` hoặc `milestoneId`
compliance-not-a-deadline = mốc này không phải hạn nộp báo cáo (REPORTING_DEADLINE)
