# issue 11: accounts
accounts-email-format = not an email address (name@domain.vn, no spaces)
accounts-phone-format = not a phone number: 8 to 15 digits, optionally starting with +, with spaces, dots, dashes or brackets between them
accounts-unit-inactive = this unit is inactive: accounts cannot be homed in it
accounts-no-grant-has-id = no role grant has this id
accounts-self-lockout-revoke = this is your last administrator role on a root unit: nobody could administer the tree after it; have another root administrator revoke it
accounts-self-deactivate = you cannot deactivate your own account; ask another administrator
