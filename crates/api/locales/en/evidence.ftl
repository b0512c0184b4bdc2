evidence-locked = the report is approved and locked: its evidence cannot change
file-too-large = a file may be at most { $max } bytes
file-type-unsupported = only JPEG, PNG or WebP images and PDF documents are accepted
