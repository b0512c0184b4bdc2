stats-group-by-duplicate = each dimension may appear only once in groupBy
stats-group-by-too-long = groupBy lists at most { $max } dimensions
stats-unknown-reference = no such object
