/* fragbench's version, which each of its programs prints for --version; here, in the layer the others all use. */
#ifndef FRAGBENCH_VERSION_H
#define FRAGBENCH_VERSION_H

#define FRAGBENCH_VERSION "0.1.0"

#endif
