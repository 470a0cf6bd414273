package all

import _ "resetdesk/backends/webadm"
