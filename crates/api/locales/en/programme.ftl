milestone-campaign-state = milestones can be added only to a draft or launched campaign
milestone-done = this milestone is already done
target-computed = this target is computed from the data; its value cannot be typed in
target-source-required = say where the value comes from
target-value-range = the value is out of range
target-date-future = the date cannot be in the future
campaign-or-programme = give exactly one of campaignId and programmeId
