interface Point {
  x: number;
}

export default {
  fetch(): Response {
    const p: Point = { x: 1 ;
    return Response.json(p);
  },
};
