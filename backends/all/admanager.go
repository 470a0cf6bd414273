package all

import _ "resetdesk/backends/admanager" // ManageEngine ADManager Plus
