package runner

// Pause holds every request not yet sent until Resume (or Stop, which skips them):
// while a technician is asked whether to stop, nothing more goes out. Requests already
// in flight finish.
func (r *Run) Pause() {
	r.pauseMu.Lock()
	defer r.pauseMu.Unlock()
	if r.resumed == nil {
		r.resumed = make(chan struct{})
	}
}

// Resume lets a paused run send again.
func (r *Run) Resume() {
	r.pauseMu.Lock()
	defer r.pauseMu.Unlock()
	if r.resumed != nil {
		close(r.resumed)
		r.resumed = nil
	}
}

// Paused reports whether the run is paused.
func (r *Run) Paused() bool {
	r.pauseMu.Lock()
	defer r.pauseMu.Unlock()
	return r.resumed != nil
}

// mayGo waits while the run is paused; false when it was stopped or aborted meanwhile.
func (r *Run) mayGo() bool {
	r.pauseMu.Lock()
	ch := r.resumed
	r.pauseMu.Unlock()
	if ch != nil {
		select {
		case <-ch:
		case <-r.sending.Done():
		}
	}
	return !r.stopped()
}
