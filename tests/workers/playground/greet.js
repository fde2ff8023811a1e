export const greet = (name) => "hi " + name + " from another module";
