# issue 12: progress by criterion
progress-range-order = `from` must be no later than `to`
progress-range-too-wide = the range covers at most { $max } years
