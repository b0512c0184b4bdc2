# issue 12: tiến độ theo tiêu chí
progress-range-order = `from` không được sau `to`
progress-range-too-wide = khoảng thời gian tối đa { $max } năm
progress-campaign-or-field = cần đúng một trong hai: `campaignId` hoặc `fieldId`
progress-field-too-many = lĩnh vực có hơn { $max } phong trào trong khoảng thời gian: hãy thu hẹp `from` và `to`
progress-field-range-required = khi dùng `fieldId`, cần cho `from` và `to`
