evidence-locked = Báo cáo đã được duyệt và khóa: không thể thay đổi minh chứng
file-too-large = Tệp có dung lượng tối đa { $max } byte
file-type-unsupported = Chỉ chấp nhận ảnh JPEG, PNG, WebP và tài liệu PDF
