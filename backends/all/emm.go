package all

import _ "resetdesk/backends/emm" // WSO2 EMM 2.0
