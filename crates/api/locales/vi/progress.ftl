# issue 12: tiến độ theo tiêu chí
progress-range-order = `from` không được sau `to`
progress-range-too-wide = khoảng thời gian tối đa { $max } năm
