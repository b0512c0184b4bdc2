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
