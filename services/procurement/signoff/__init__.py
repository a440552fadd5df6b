"""Sign-offs of procurement requests: who approved or refused what, when and why."""
