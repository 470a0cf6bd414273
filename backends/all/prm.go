package all

import _ "resetdesk/backends/prm" // Password Reset Module (Bright Pattern)
