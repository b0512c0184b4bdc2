stats-group-by-duplicate = mỗi tiêu chí nhóm chỉ được xuất hiện một lần trong groupBy
stats-group-by-too-long = groupBy có tối đa { $max } tiêu chí nhóm
stats-unknown-reference = không tồn tại đối tượng này
