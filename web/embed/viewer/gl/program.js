// Compiles and links one WebGL2 program; a failure names the shader stage and its log.

export function program(gl, vertexSource, fragmentSource) {
  const compiled = (type, source) => {
    const shader = gl.createShader(type);
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS) && !gl.isContextLost()) {
      throw new Error(`shader: ${gl.getShaderInfoLog(shader)}`);
    }
    return shader;
  };
  const linked = gl.createProgram();
  gl.attachShader(linked, compiled(gl.VERTEX_SHADER, vertexSource));
  gl.attachShader(linked, compiled(gl.FRAGMENT_SHADER, fragmentSource));
  gl.linkProgram(linked);
  if (!gl.getProgramParameter(linked, gl.LINK_STATUS) && !gl.isContextLost()) {
    throw new Error(`program: ${gl.getProgramInfoLog(linked)}`);
  }
  const uniforms = {};
  const count = gl.getProgramParameter(linked, gl.ACTIVE_UNIFORMS) || 0;
  for (let i = 0; i < count; i++) {
    const name = gl.getActiveUniform(linked, i).name;
    uniforms[name] = gl.getUniformLocation(linked, name);
  }
  return { program: linked, uniforms };
}

/** A buffer holding `data`, bound to `target`. */
export function buffer(gl, target, data, usage = gl.STATIC_DRAW) {
  const created = gl.createBuffer();
  gl.bindBuffer(target, created);
  gl.bufferData(target, data, usage);
  return created;
}
