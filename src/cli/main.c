/* main.c - the stackplan executable: the command line is a library function (sp_main). */
#include "stackplan.h"

int main(int argc, char **argv) { return sp_main(argc, argv); }
