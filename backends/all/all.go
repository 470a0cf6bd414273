// Package all registers every back-end kind: import it for its side effect.
package all

import (
	_ "resetdesk/backends/admanager" // ManageEngine ADManager Plus
	_ "resetdesk/backends/emm"       // WSO2 EMM
	_ "resetdesk/backends/odin"      // Odin API (Cisco BroadWorks)
	_ "resetdesk/backends/prm"       // Password Reset Module
	_ "resetdesk/backends/webadm"    // RCDevs WebADM
)
