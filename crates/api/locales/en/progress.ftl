# issue 12: progress by criterion
progress-range-order = `from` must be no later than `to`
progress-range-too-wide = the range covers at most { $max } years
progress-campaign-or-field = give exactly one of `campaignId` and `fieldId`
progress-field-too-many = the field has more than { $max } campaigns in the range: narrow `from` and `to`
progress-field-range-required = with `fieldId`, give `from` and `to`
