package app

// MissingWorkForTest lists the missing-episode work items as "My work"
// sources do.
var MissingWorkForTest = missingWork
