// repeat_tracker.cpp - see repeat_tracker.hpp.
#include "repeat_tracker.hpp"

namespace xray::core
{
int
RepeatTracker::EndTransaction(RepeatBurst out[kXactSlots])
{
	int n = 0;
	if (!xact_bursting_)
		return 0; // the common case: nothing repeated in this transaction
	xact_bursting_ = false;
	for (RepeatWindow &w : xact_)
		if (w.count > kRepeatPerXact)
			n += Close(w, true, kRepeatPerXact, out + n);
	return n;
}
} // namespace xray::core
