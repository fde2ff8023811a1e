0export const x = [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]];
export const y = !!!!!!!!!!!!a ? b : c ? d : e ? f : g;
