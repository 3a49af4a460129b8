const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');
(async () => {
  await tf.setBackend('wasm'); await tf.ready();
  const time = (name, f, flops) => {
    f().dispose();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 10; i++) { const c = f(); c.dataSync(); c.dispose(); }
    const dt = Number(process.hrtime.bigint() - t0) / 1e9 / 10;
    console.log(name.padEnd(28), (dt * 1000).toFixed(1), 'ms', (flops / dt / 1e9).toFixed(2), 'GFLOP/s');
  };
  const x = tf.randomUniform([1024, 111]), w1 = tf.randomUniform([111, 500]), h = tf.randomUniform([1024, 500]), w2 = tf.randomUniform([500, 500]);
  time('x@w1', () => tf.matMul(x, w1), 2*1024*111*500);
  time('h@w2', () => tf.matMul(h, w2), 2*1024*500*500);
  time('h@w2^T (dX)', () => tf.matMul(h, w2, false, true), 2*1024*500*500);
  time('h^T@h (dW)', () => tf.matMul(h, h, true, false), 2*1024*500*500);
  time('x^T@h (dW1)', () => tf.matMul(x, h, true, false), 2*1024*500*111);
  time('h@transpose(w2)', () => tf.tidy(() => tf.matMul(h, tf.transpose(w2))), 2*1024*500*500);
  time('transpose(h)@h', () => tf.tidy(() => tf.matMul(tf.transpose(h), h)), 2*1024*500*500);
  time('transpose(x)@h', () => tf.tidy(() => tf.matMul(tf.transpose(x), h)), 2*1024*500*111);
  time('transpose(h) only', () => tf.transpose(h), 0);
  time('leakyRelu', () => tf.leakyRelu(h, 0.01), 0);
  time('add bias', () => tf.add(h, tf.randomUniform([500])), 0);
  const v1 = tf.variable(tf.randomUniform([111, 500])), v2 = tf.variable(tf.randomUniform([500, 500])), v3 = tf.variable(tf.randomUniform([500, 1]));
  time('full step grads', () => { const {value, grads} = tf.variableGrads(() => tf.tidy(()=> tf.mean(tf.matMul(tf.leakyRelu(tf.matMul(tf.leakyRelu(tf.matMul(x, v1)), v2)), v3))), [v1,v2,v3]); Object.values(grads).forEach(g=>g.dispose()); return value; }, 3*2*1024*(111*500+500*500+500));
})();
