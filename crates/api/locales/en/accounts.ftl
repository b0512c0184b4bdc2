# issue 11: accounts
