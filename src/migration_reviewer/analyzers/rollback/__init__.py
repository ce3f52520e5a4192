"""RB: whether down really undoes up, checked by running it."""
