package store

// SetIndexSlice sets how many queued rows the search indexing takes at a
// time, for a test of the slicing that needs no more than a few slices'
// worth of rows; it returns the function that puts it back.
func SetIndexSlice(n int64) func() {
	old := indexSlice
	indexSlice = n
	return func() { indexSlice = old }
}

// SetRebuildMin sets the shortest queue that the search indexing may
// answer by a rebuild of the indexes (a queue at least as long as the
// book); it returns the function that puts it back.
func SetRebuildMin(n int64) func() {
	old := rebuildMin
	rebuildMin = n
	return func() { rebuildMin = old }
}
