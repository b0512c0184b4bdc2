# Exports (CSV registers): headers, words and refusals.
export-word = { $word }
yes-no = { $key ->
    [YES] yes
   *[other] no
}
export-exemplars-header = Exemplary model | Collective/individual | Stage | Unit code | Unit | Field | Direct worker | Replications | Recorded on | Id
no-such-export = there is no export “{ $name }”; the exports are: { $known }
export-too-many-parameters = an export takes at most { $max } parameters
export-unknown-parameter = an export does not take the parameter “{ $name }”
export-bad-value = “{ $value }” is not a valid value of { $name }
export-commendations-header = Decision number | Decision date | Issuing authority | Award | Level | Kind | Recipient | Recipient type | Unit code | Unit | Year of achievement | Status | Id
award-level = { $key ->
    [GRASSROOTS] grassroots
    [DISTRICT] district
    [PROVINCIAL] provincial
    [MINISTERIAL] ministerial or central body
    [CENTRAL] state
   *[other] { $key }
}
commendation-kind = { $key ->
    [CONG_TRANG] merit
    [DOT_XUAT] ad hoc
    [PHONG_TRAO_THI_DUA] emulation campaign
    [QUA_TRINH_CONG_HIEN] lifetime service
    [NIEN_HAN] length of service
    [DOI_NGOAI] foreign relations
   *[other] { $key }
}
recipient-type = { $key ->
    [PERSON] person
    [UNIT] collective
    [EXEMPLAR] exemplary model
    [HOUSEHOLD] household
   *[other] { $key }
}
export-reports-header = Campaign code | Unit code | Unit | Period start | Period end | Status | Submitted at | Reviewed at
export-reports-value-header = Criterion | Value
export-link-unknown-export = there is no such export; the exports are: { $known }
export-link-query-invalid = a query string of at most { $max } printable characters, percent-encoded, without a fragment or a “link” parameter
export-link-mismatch = this export link is for another export or other parameters
export-total = Total
export-count = Count
export-compliance-header = Unit code | Unit | Expected | Submitted | On time | Late | Approved | Returned | Missing | Submitted share | On-time share
export-progress-header = Campaign | Criterion | Unit code | Unit | Period | Value | Target | Reports
export-commendation-dimension = { $key ->
    [LEVEL] Level
    [CATEGORY] Category
    [KIND] Kind
    [RECIPIENT_TYPE] Recipient type
    [YEAR] Year of achievement
    [TOP_LEVEL_UNIT] Top-level unit
    [FIELD] Field
    [INDIVIDUAL] Collective/individual
   *[other] { $key }
}
export-exemplar-dimension = { $key ->
    [STAGE] Stage
    [FIELD] Field
    [HOME_UNIT] Unit
    [TOP_LEVEL_UNIT] Top-level unit
    [KIND] Collective/individual
   *[other] { $key }
}
award-category = { $key ->
    [EMULATION_TITLE] emulation title
    [STATE_HONORARY_TITLE] state honorary title
    [ORDER] order
    [MEDAL] medal
    [CERTIFICATE_OF_MERIT] certificate of merit
    [CERTIFICATE] certificate
    [PROVINCIAL_TITLE] provincial title
   *[other] { $key }
}
