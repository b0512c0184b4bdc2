# issue 11: accounts
accounts-email-format = không phải địa chỉ email (tên@miền.vn, không có dấu cách)
accounts-phone-format = không phải số điện thoại: 8 đến 15 chữ số, có thể bắt đầu bằng +, cách nhau bằng dấu cách, dấu chấm, gạch ngang hoặc ngoặc
accounts-unit-inactive = đơn vị này đã ngừng hoạt động: không thể gắn tài khoản vào đơn vị này
accounts-no-grant-has-id = không có phân quyền nào có mã này
accounts-self-lockout-revoke = đây là quyền quản trị cuối cùng của bạn trên đơn vị gốc: sau khi thu hồi sẽ không ai quản trị được cây đơn vị; hãy nhờ một quản trị viên gốc khác thu hồi
accounts-self-deactivate = bạn không thể tự khóa tài khoản của mình; hãy nhờ một quản trị viên khác
