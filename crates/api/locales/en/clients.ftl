# issue 14: machine clients
client-too-many-scopes = at most { $max } scopes
client-unknown-scope = unknown scope; the scopes are: { $known }
client-name-format = 3–64 characters: a–z, 0–9, '.', '_' or '-'
client-name-taken = an API client with this name exists
client-overlap-range = from 0 to { $max } seconds
client-subtree-outside-owner = the subtree must be the owner unit or lie below it
client-disabled = this API client is disabled
