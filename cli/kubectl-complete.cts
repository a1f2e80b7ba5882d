#!/usr/bin/env node
// kubectl_complete-nsinspect: kubectl (1.26+) runs it for `kubectl nsinspect <TAB>` with the words after the plugin's name; it answers as `nsinspect __complete` does.
process.argv.splice(2, 0, '__complete');
void import('./main.js');
