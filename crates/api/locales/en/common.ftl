# Shared pieces: names of things and of states, used by the messages of every topic.
# Vocabularies: a message argument made with `MessageArg::word("thing", key)` is the
# variant of that message for `key`; an unknown key shows as it is.
thing = { $key ->
    [report] report
    [exemplar] exemplary model
    [exemplary-model] exemplary model
    [award-type] award type
    [programme] programme
    [commendation] commendation
    [campaign] campaign
    [target] target
    [org-unit] org unit
    [unit] unit
    [root-unit] root unit
    [milestone] milestone
    [attachment] attachment
    [user] user
    [council-session] council session
    [participation] participation
    [field] field
    [criterion] criterion
    [cluster] cluster
    [demo-admin] demo admin
    [person] person
    [session] session
   *[other] { $key }
}
campaign-status = { $key ->
    [DRAFT] draft
    [LAUNCHED] launched
    [CLOSED] closed
    [CANCELLED] cancelled
   *[other] { $key }
}
report-status = { $key ->
    [SUBMITTED] submitted
    [APPROVED] approved
    [RETURNED] returned
   *[other] { $key }
}
commendation-status = { $key ->
    [NOMINATED] nominated
    [UNDER_REVIEW] under review
    [APPROVED] approved
    [REJECTED] rejected
    [CONFERRED] conferred
    [REVOKED] revoked
    [PROPOSED_UPWARD] proposed upward
    [DECLINED_UPWARD] declined upward
   *[other] { $key }
}
exemplar-stage = { $key ->
    [IDENTIFIED] identified
    [NURTURED] nurtured
    [RECOGNISED] recognised
    [REPLICATED] replicated
   *[other] { $key }
}
recipient-kind = { $key ->
    [INDIVIDUAL] individual
    [COLLECTIVE] collective
    [BOTH] individual or collective
    [HOUSEHOLD] household
   *[other] { $key }
}
control-characters = must not contain control characters
required = must not be empty
too-long = must be at most { $max } characters
code-format = 2–40 characters: letters A–Z, digits, '-', '_' or '.'
year-range = a year from { $min } to { $max }
year-range-order = fromYear must be no later than toYear
year-range-too-wide = a range of at most { $max } years
first-out-of-range = `first` must be between { $min } and { $max }
version-invalid = a version is 1 or more, as the API returned it
end-before-start = the end date is before the start date
unknown-reference = no { $what } has this id
number-format = a number is plain decimal text such as 12, -3 or 12.5
number-range = a number has at most 16 digits before the point and 4 after it
cursor-invalid = this cursor is not valid
unit-inactive = the unit is deactivated
