# issue 14: machine clients
client-too-many-scopes = tối đa { $max } phạm vi
client-unknown-scope = phạm vi không hợp lệ; các phạm vi là: { $known }
client-name-format = 3–64 ký tự: a–z, 0–9, '.', '_' hoặc '-'
client-name-taken = đã có ứng dụng tích hợp mang tên này
client-overlap-range = từ 0 đến { $max } giây
client-subtree-outside-owner = phạm vi đơn vị phải là đơn vị chủ quản hoặc nằm dưới đơn vị đó
client-disabled = ứng dụng tích hợp này đã bị vô hiệu hóa
