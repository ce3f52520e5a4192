"""SP: the review's own ignore directives."""
