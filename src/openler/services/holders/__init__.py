"""What a person does with their credentials: sharing with consent."""
