# issue 11: passwords
password-is-username = Mật khẩu không được trùng hoặc chứa tên đăng nhập
password-too-common = Mật khẩu này nằm trong danh sách mật khẩu phổ biến nhất; vui lòng chọn mật khẩu khác (vài từ không liên quan ghép lại là một mật khẩu tốt)
password-control-characters = Mật khẩu không được chứa ký tự điều khiển
wrong-password = Mật khẩu hiện tại không đúng
password-change-locked = Nhập sai mật khẩu quá nhiều lần với tài khoản này hoặc từ địa chỉ này; vui lòng chờ rồi thử lại
password-change-required = Mật khẩu của bạn đã được đặt lại: hãy đổi mật khẩu bằng `changePassword` trước khi làm việc khác
