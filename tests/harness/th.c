int th_placeholder(void); int th_placeholder(void) { return 0; }
