/* fragbench's version, which each of its programs prints for --version (fragbench, fb-report, fb-trace, fb-replay). */
#ifndef FRAGBENCH_VERSION_H
#define FRAGBENCH_VERSION_H

#define FRAGBENCH_VERSION "0.1.0"

#endif
