# issue 11: passwords
