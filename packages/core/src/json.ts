/** Plain JSON, the shape tool arguments take once parsed. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
