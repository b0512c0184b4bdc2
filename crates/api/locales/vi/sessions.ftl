# issue 11: sessions
refresh-raced = phiên đăng nhập vừa được làm mới ở nơi khác; hãy thử lại
refresh-ended = phiên đăng nhập đã kết thúc hoặc mã làm mới không hợp lệ; hãy đăng nhập lại
