# issue 11: passwords
password-is-username = the password must not be the username nor contain it
password-too-common = this password is among the most common ones; choose another (a few unrelated words make a good one)
password-control-characters = a password must not contain control characters
wrong-password = the current password is wrong
password-change-locked = too many wrong passwords for this account or from this address; wait before trying again
password-change-required = your password was reset: change it with `changePassword` before anything else
