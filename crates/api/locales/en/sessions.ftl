# issue 11: sessions
refresh-raced = the session was just refreshed elsewhere; try again
refresh-ended = this session has ended or the refresh token is not valid; sign in again
