package all

import _ "resetdesk/backends/odin" // Odin (Cisco BroadWorks)
