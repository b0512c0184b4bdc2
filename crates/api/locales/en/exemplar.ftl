exemplar-already-at-stage = the model is already { $stage }
exemplar-stage-skipped = a model moves one stage at a time: from { $stage } it can only become the next stage
exemplar-reason-required = say why the model goes back a stage
exemplar-self-replication = a model is replicated in another unit, not its own
exemplar-already-replicated = this unit already replicates the model
exemplar-changed = the model changed meanwhile; reload it
