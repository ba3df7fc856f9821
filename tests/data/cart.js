// A shopping cart, used as a real file to complete in.

class Cart {
  constructor() {
    this.items = [];
  }

  add(name, price, quantity = 1) {
    this.items.push({ name, price, quantity });
  }

  total() {
    let sum = 0;
    for (const item of this.items) {
      sum += item.price * item.quantity;
    }
    return sum;
  }
}

function formatPrice(value) {
  return `$${value.toFixed(2)}`;
}

module.exports = { Cart, formatPrice };
