# issue 14: webhooks
webhook-url-required = cần nhập URL
webhook-url-too-long = URL dài tối đa { $max } ký tự
webhook-url-invalid = URL http(s) không hợp lệ
webhook-url-https-required = URL webhook phải dùng https
webhook-url-credentials = URL webhook không được chứa tên đăng nhập hoặc mật khẩu
webhook-url-private = không được gửi webhook tới địa chỉ nội bộ, loopback hoặc cục bộ
webhook-event-types-required = cần chọn ít nhất một loại sự kiện
webhook-event-types-too-many = tối đa { $max } loại sự kiện
webhook-event-type-unknown = loại sự kiện không tồn tại: { $value }
webhook-event-type-repeated = loại sự kiện này bị lặp lại
webhook-unit-unknown = không có đơn vị này
webhook-subtree-outside-owner = phạm vi lọc phải nằm trong đơn vị sở hữu
webhook-delivery-still-open = lần gửi này vẫn đang được xử lý; chỉ gửi lại khi đã thành công hoặc đã bị loại bỏ
webhook-since-required = cần nhập sinceEventId hoặc sinceTime
webhook-since-invalid = mã sự kiện không hợp lệ
